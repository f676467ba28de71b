import { describe, expect, it } from 'vitest';
import { NewestAnswer } from './newest-answer';

describe('NewestAnswer', () => {
  it('drops an answer that arrives after the answer to a later request', () => {
    const answers = new NewestAnswer();
    const first = answers.next();
    const second = answers.next();
    expect(second()).toBe(true);
    expect(first()).toBe(false);
  });

  it('keeps answers that arrive in order, and one whose later request has not been answered yet', () => {
    const answers = new NewestAnswer();
    const first = answers.next();
    const second = answers.next();
    const third = answers.next();
    expect(first()).toBe(true);
    expect(third()).toBe(true);
    expect(second()).toBe(false);
    expect(answers.next()()).toBe(true);
  });
});
