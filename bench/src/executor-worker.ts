/** The trivial work of the executor benchmark, for piscina and for `{ module, export }` references. */
export function inc(x: number): number {
  return x + 1;
}

export default inc;
