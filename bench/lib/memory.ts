import { readFileSync } from 'node:fs';

/** Peak resident set size of this process in MiB, from /proc/self/status VmHWM (null off Linux). */
export function peakRssMiB(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples `process.memoryUsage().rss` every `everyMs` (the timer runs between batches, so the
 * workload must yield now and then); `stop()` returns the largest sample in MiB.
 */
export function sampleRss(everyMs = 50): { stop(): number } {
  let max = process.memoryUsage().rss;
  const timer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > max) max = rss;
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const rss = process.memoryUsage().rss;
      return Math.max(max, rss) / 1024 / 1024;
    },
  };
}
