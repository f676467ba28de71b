export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  title: string;
  body?: string;
  /** One button beside the text (Undo): pressing it runs this and dismisses the toast. */
  action?: { label: string; run: () => void };
}

/** Short confirmations and background failures, in a corner; errors stay until dismissed. */
export class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;

  show(kind: Toast['kind'], title: string, body?: string, options: { action?: Toast['action']; ms?: number } = {}): number {
    const toast: Toast = {
      id: this.next++,
      kind,
      title,
      ...(body ? { body } : {}),
      ...(options.action ? { action: options.action } : {}),
    };
    this.items = [...this.items, toast].slice(-4);
    if (kind !== 'error') setTimeout(() => this.dismiss(toast.id), options.ms ?? 4500);
    return toast.id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
