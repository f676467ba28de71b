import type { Attachment } from 'svelte/attachments';

/**
 * Flashes an element when the value it shows changes (not when it first appears): the live numbers
 * that just moved catch the eye. Restarting a CSS animation needs the class off, a reflow, and on again.
 */
export function flashOnChange(value: string, className = 'flash'): Attachment<HTMLElement> {
  return (node) => {
    const previous = node.dataset.shown;
    node.dataset.shown = value;
    if (previous === undefined || previous === value) return;
    node.classList.remove(className);
    void node.offsetWidth;
    node.classList.add(className);
  };
}
