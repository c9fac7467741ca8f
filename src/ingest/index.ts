import type { DeadLetterConfig, SourceConfig } from '../core/config/index.js';
import type { Logger } from '../core/logger.js';
import { FileDeadLetterOutput, type DeadLetterOutput } from './dead-letter.js';
import { FileSource } from './file-source.js';
import { GeneratorSource } from './generator-source.js';
import { createKafka } from './kafka/kafka-client.js';
import { KafkaDeadLetterOutput } from './kafka/kafka-dead-letter.js';
import { KafkaSource } from './kafka/kafka-source.js';
import { KafkaWorkerSource } from './kafka/kafka-worker-source.js';
import { RdkafkaSource } from './kafka/rdkafka-source.js';
import type { Source } from './source.js';

export type { PartitionListener, Source } from './source.js';
export { createDecoder, type DecodeResult, type Rejection, type RejectReason } from './decoder.js';
export {
  deadLetterToJSON,
  FileDeadLetterOutput,
  MemoryDeadLetterOutput,
  type DeadLetter,
  type DeadLetterOutput,
} from './dead-letter.js';
export { EventGenerator, GENERATOR_SCHEMA, partitionOf } from './generator.js';

/** The source a config names; `maxRecordBytes` (the schema's) bounds what a file source keeps of a line. */
export function createSource(config: SourceConfig, logger?: Logger, maxRecordBytes?: number): Source {
  switch (config.type) {
    case 'generator':
      return new GeneratorSource(config);
    case 'file':
      return new FileSource(config, { maxLineBytes: maxRecordBytes });
    case 'kafka':
      if (config.client === 'rdkafka') return new RdkafkaSource(config, logger);
      return config.thread === 'worker'
        ? new KafkaWorkerSource(config, logger)
        : new KafkaSource(config, logger);
  }
}

/** The dead-letter output a config names; a Kafka DLQ needs a Kafka source to know its brokers. */
export function createDeadLetterOutput(
  config: DeadLetterConfig,
  source: SourceConfig,
  logger?: Logger,
): DeadLetterOutput {
  if (config.type === 'file') return new FileDeadLetterOutput(config.path);
  if (source.type !== 'kafka')
    throw new Error('deadLetter.type "kafka" needs a kafka source (its brokers and topic)');
  return new KafkaDeadLetterOutput(
    createKafka(source.brokers, `${source.clientId}-dlq`, logger),
    config.topic ?? `${source.topic}.dlq`,
    config.maxValueBytes,
  );
}
