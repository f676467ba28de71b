export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  title: string;
  body?: string;
}

/** Short confirmations and background failures, in a corner; errors stay until dismissed. */
export class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;

  show(kind: Toast['kind'], title: string, body?: string): void {
    const toast: Toast = { id: this.next++, kind, title, ...(body ? { body } : {}) };
    this.items = [...this.items, toast].slice(-4);
    if (kind !== 'error') setTimeout(() => this.dismiss(toast.id), 4500);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
