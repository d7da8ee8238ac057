/**
 * Python's `str()` of the few values the examples print, so that each
 * example prints exactly what its Python twin does.
 */
import { performance } from 'node:perf_hooks';

/** `str(True)` / `str(False)`. */
export function pyBool(value: boolean): string {
  return value ? 'True' : 'False';
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * `str(datetime.datetime.now())`: local time as `YYYY-MM-DD HH:MM:SS.ffffff`,
 * the fraction left out when the microseconds are 0, as Python does.
 * `performance.timeOrigin + performance.now()` gives the microseconds that
 * `Date.now()` lacks.
 */
export function datetimeNow(): string {
  const epochUs = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const d = new Date(Math.floor(epochUs / 1000));
  const us = epochUs % 1_000_000;
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}`;
  const time = `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}`;
  return us === 0 ? `${date} ${time}` : `${date} ${time}.${pad(us, 6)}`;
}
