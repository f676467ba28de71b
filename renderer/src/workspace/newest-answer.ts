/**
 * Keeps the answer to the newest of a kind of request. Requests sent one after another may be answered out of order
 * (in browser mode each is its own HTTP request, side by side): an older answer arriving last would show older data.
 */
export class NewestAnswer {
  private sent = 0;
  private kept = 0;

  /** Call as the request is sent; the function it gives, called with the answer, says whether to keep it. */
  next(): () => boolean {
    const n = ++this.sent;
    return () => {
      if (n < this.kept) return false;
      this.kept = n;
      return true;
    };
  }
}
