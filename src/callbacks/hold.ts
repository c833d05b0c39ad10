/**
 * The express hold's arithmetic, exact in integers: shares and rates are parts per million (the config
 * allows at most 6 decimals), so 0.29 x 100 is 29, never 28.999999999999996 floored to 28.
 */
export const PPM = 1_000_000;

/** A share or rate with at most 6 decimals, as an integer number of millionths. */
export function toPpm(x: number): number {
  return Math.round(x * PPM);
}

/** floor(ppm x n / 1,000,000) exactly, for non-negative integers whose product is below 2^53. */
export function floorPpm(ppm: number, n: number): number {
  const product = ppm * n;
  if (!Number.isSafeInteger(product)) throw new RangeError(`share x capacity too large to hold exactly: ${ppm} ppm x ${n}`);
  return (product - (product % PPM)) / PPM;
}

/**
 * How many places of each slot of one day are held for express customers, by cumulative floor: with P_k
 * the capacity of the day's first k slots, slot k holds floor(s x P_k) - floor(s x P_(k-1)). So
 *   - the day holds exactly floor(s x its total capacity) places: never more than the share;
 *   - each slot holds floor(s x c) or ceil(s x c) of its own capacity c, so never more than it has;
 *   - the holds are spread evenly through the day (the places fall where the running share crosses a
 *     whole number, as a line is drawn on pixels), and a slot's hold depends only on the slots before it
 *     that day, so staffing changed in the afternoon does not move the morning's holds.
 */
export function cumulativeFloorHolds(capacities: readonly number[], sharePpm: number): number[] {
  let total = 0;
  let heldSoFar = 0;
  return capacities.map((c) => {
    total += c;
    const held = floorPpm(sharePpm, total) - heldSoFar;
    heldSoFar += held;
    return held;
  });
}
