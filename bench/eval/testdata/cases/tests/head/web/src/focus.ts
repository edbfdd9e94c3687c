export function fit(width: number): number {
  return Math.min(width, 80);
}
