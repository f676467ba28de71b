import { describe, expect, it } from 'vitest';
import { parseNotebook, serializeNotebook, type Notebook } from './notebook-format.js';

const NOTEBOOK: Notebook = {
  title: 'Shop overview',
  cells: [
    { kind: 'markdown', id: 'm1', text: 'How many customers visited, and **did they buy**?\n\n- one\n- two' },
    {
      kind: 'sql',
      id: 'visits',
      sql: "SELECT event_date, count(*) AS visits\nFROM events\nWHERE note = '```'\nGROUP BY 1",
      title: 'Visits',
    },
    { kind: 'chart', id: 'c1', chart: { source: 'visits', type: 'line', x: 'event_date', y: ['visits'] } },
    { kind: 'pipeline', id: 'p1', pipeline: 'daily_visits' },
    { kind: 'live', id: 'l1', pipeline: 'daily_visits', modes: ['naive', 'exact'] },
    { kind: 'compare', id: 'k1', pipeline: 'daily_orders', metric: 'revenue' },
  ],
};

describe('notebook files', () => {
  it('round-trip through Markdown, keeping every cell and setting', () => {
    const text = serializeNotebook(NOTEBOOK);
    const back = parseNotebook(text);
    expect({ ...back, cells: back.cells.map((c) => (c.kind === 'markdown' ? { ...c, id: 'm1' } : c)) }).toEqual(NOTEBOOK);
    expect(serializeNotebook(back)).toBe(text);
  });

  it('are plain Markdown a person can read and edit', () => {
    const text = serializeNotebook(NOTEBOOK);
    expect(text.split('\n').slice(0, 6)).toEqual([
      '# Shop overview',
      '',
      'How many customers visited, and **did they buy**?',
      '',
      '- one',
      '- two',
    ]);
    expect(text).toContain('````sql {"id":"visits","title":"Visits"}\nSELECT event_date, count(*) AS visits\n');
    expect(text).toContain('```chart {"id":"c1","source":"visits","type":"line","x":"event_date","y":["visits"]}\n```');
  });

  it('name the line of a broken cell', () => {
    expect(() => parseNotebook('# T\n\n```sql {"id": oops}\nSELECT 1\n```\n')).toThrow(
      'line 3: the settings of this sql cell are not valid JSON',
    );
    expect(() => parseNotebook('# T\n\n```chart {"id":"c","type":"pie"}\n```\n')).toThrow(/line 3: chart cell: /);
    expect(() => parseNotebook('# T\n\n```sql\nSELECT 1\n')).toThrow('line 3: the sql cell opened here is never closed with ```');
  });

  it('keep fenced code that is not a cell as markdown', () => {
    const notebook = parseNotebook('# T\n\nSome text\n\n```python\nprint(1)\n```\n');
    expect(notebook.cells).toEqual([{ kind: 'markdown', id: expect.any(String), text: 'Some text\n\n```python\nprint(1)\n```' }]);
  });
});
