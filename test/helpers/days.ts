/** The UTC date (`YYYY-MM-DD`) `offset` days from today: -1 is yesterday. */
export function day(offset: number): string {
  return new Date((Math.floor(Date.now() / 86_400_000) + offset) * 86_400_000).toISOString().slice(0, 10);
}
