/** Today's date in a time zone (the partition an event happening now belongs to). */
export function todayIn(timezone: string, now = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
