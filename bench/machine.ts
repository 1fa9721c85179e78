/**
 * What every benchmark records about where it ran (cores, load, versions), and the small statistics it reports:
 * on a shared machine only figures taken side by side in the same run (ratios, medians of interleaved runs) mean
 * something, so the load at start and end goes into every result.
 */
import fs from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cores: number;
  cpu: string;
  memoryGb: number;
  platform: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  return {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

/** 1-, 5- and 15-minute load averages, two decimals. */
export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

export function median(xs: number[]): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Resident memory of a process in MB: this one, or another by pid (Linux /proc), undefined when unreadable. */
export function rssMb(pid?: number): number | undefined {
  if (pid === undefined) return Math.round(process.memoryUsage().rss / 2 ** 20);
  return procStatusMb(pid, 'VmRSS');
}

/** The peak resident memory a process has had (Linux VmHWM), in MB. */
export function peakRssMb(pid?: number): number | undefined {
  if (pid === undefined) return Math.round(process.resourceUsage().maxRSS / 1024);
  return procStatusMb(pid, 'VmHWM');
}

function procStatusMb(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS while something runs, for the peak of that stretch alone (maxRSS covers the whole life). */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid?: number, everyMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    this.peak = Math.max(this.peak, rssMb(this.pid) ?? 0);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system) a process has used, in ms, from /proc (Linux); undefined elsewhere or when it is gone. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_S = 100;
