import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RawRecord } from '../core/event.js';
import type { Rejection } from './decoder.js';

/** A record that could not be used, with the reason, where it came from and its exact bytes. */
export interface DeadLetter {
  reason: Rejection['reason'];
  detail: string;
  topic: string;
  partition: number;
  offset: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** Extra facts, e.g. for `late`: the window and how late the event was. */
  extra?: Record<string, string | number>;
}

/**
 * Where rejected records go. `add` buffers; `flush` resolves when everything added is durable, so
 * the runtime can flush before committing offsets (a rejected record is never lost either).
 */
export interface DeadLetterOutput {
  readonly kind: string;
  add(letter: DeadLetter): void;
  flush(): Promise<void>;
  /** About how many bytes `add` has buffered since the last flush (the runtime flushes early past a bound). */
  readonly pendingBytes: number;
  /** Letters added since start, by reason (for metrics and tests). */
  readonly counts: Map<string, number>;
  close(): Promise<void>;
}

/** Builds a dead letter from a raw record and a rejection. */
export function deadLetterOf(
  topic: string,
  partition: number,
  record: RawRecord,
  rejection: Rejection,
  extra?: DeadLetter['extra'],
): DeadLetter {
  const letter: DeadLetter = {
    ...rejection,
    topic,
    partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
  };
  if (extra) letter.extra = extra;
  return letter;
}

/** JSON form of a dead letter (file output, API): bytes as base64 so they survive exactly. */
export function deadLetterToJSON(letter: DeadLetter): Record<string, unknown> {
  return {
    reason: letter.reason,
    detail: letter.detail,
    topic: letter.topic,
    partition: letter.partition,
    offset: letter.offset,
    key: letter.key === null ? null : Buffer.from(letter.key).toString('base64'),
    value: letter.value === null ? null : Buffer.from(letter.value).toString('base64'),
    ...(letter.extra ? { extra: letter.extra } : {}),
  };
}

/** Embedded mode: dead letters appended to a JSONL file, fsync'd on flush. */
export class FileDeadLetterOutput implements DeadLetterOutput {
  readonly kind = 'file';
  readonly counts = new Map<string, number>();
  private pending: string[] = [];
  pendingBytes = 0;
  private handle: Promise<FileHandle> | null = null;

  constructor(private readonly path: string) {}

  add(letter: DeadLetter): void {
    const line = JSON.stringify(deadLetterToJSON(letter));
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
    this.counts.set(letter.reason, (this.counts.get(letter.reason) ?? 0) + 1);
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const lines = this.pending.join('\n') + '\n';
    this.pending = [];
    this.pendingBytes = 0;
    const fh = await this.file();
    await fh.appendFile(lines, 'utf8');
    await fh.sync();
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.handle) await (await this.handle).close();
    this.handle = null;
  }

  private file(): Promise<FileHandle> {
    if (!this.handle) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.handle = open(this.path, 'a');
    }
    return this.handle;
  }
}

/** In-memory output for tests and ephemeral runs. */
export class MemoryDeadLetterOutput implements DeadLetterOutput {
  readonly kind = 'memory';
  readonly counts = new Map<string, number>();
  readonly letters: DeadLetter[] = [];
  /** Kept for tests, never flushed: nothing counts as pending. */
  readonly pendingBytes = 0;
  add(letter: DeadLetter): void {
    this.letters.push(letter);
    this.counts.set(letter.reason, (this.counts.get(letter.reason) ?? 0) + 1);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
