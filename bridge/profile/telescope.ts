/**
 * Named stretches from `start` through each point in turn: consecutive differences, so they
 * sum to the last point minus start exactly, whatever the points are.
 */
export function telescope(start: bigint, points: [name: string, at: bigint][]): { name: string; ns: number }[] {
  let last = start;
  return points.map(([name, at]) => {
    const ns = Number(at - last);
    last = at;
    return { name, ns };
  });
}
