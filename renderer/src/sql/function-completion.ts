import {
  completeFromList,
  ifNotIn,
  snippetCompletion,
  type Completion,
  type CompletionContext,
  type CompletionResult,
  type CompletionSource,
} from '@codemirror/autocomplete';
import type { Result } from '../api';
import { functionList } from './duckdb-dialect';

/** A function DuckDB offers, as `schema.functions` describes it. */
export type SqlFunction = Result<'schema.functions'>[number];

/** Where the cursor is: where a table goes (after FROM or JOIN), or in an expression. */
export type SqlPlace = 'table' | 'expression';

const NOT_IN_TEXT = ['QuotedIdentifier', 'String', 'LineComment', 'BlockComment', '.'];

/** Functions of the kind the place wants rank after columns and tables; the others after keywords and types. */
const FITS_BOOST = 0;
const MISFITS_BOOST = -3;

const CLAUSE = /\b(from|join|select|where|on|using|group|order|having|qualify|window|limit|set|values|returning)\b/gi;

/**
 * The place the cursor is in, from the last clause keyword of its statement before it: FROM and JOIN want a table
 * (a table function), unless the cursor is inside an argument list opened since (`FROM read_csv(|`).
 */
export function placeAt(textBefore: string): SqlPlace {
  const statement = textBefore
    .replace(/'(?:[^']|'')*'?/g, "''")
    .replace(/--[^\n]*/g, '')
    .split(';')
    .pop()!;
  let last: RegExpExecArray | undefined;
  for (const match of statement.matchAll(CLAUSE)) last = match;
  if (!last || !/^(from|join)$/i.test(last[1]!)) return 'expression';
  let depth = 0;
  for (const ch of statement.slice(last.index + last[0].length)) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
  }
  return depth > 0 ? 'expression' : 'table';
}

/** `date_trunc(part VARCHAR, timestamp DATE) → TIMESTAMP` → `['part', 'timestamp']`: the names, as one types them. */
function parameterNames(signature: string): string[] {
  const open = signature.indexOf('(');
  const close = signature.lastIndexOf(')');
  if (open < 0 || close < open) return [];
  return signature
    .slice(open + 1, close)
    .split(', ')
    .filter(Boolean)
    .map((p) => (p.endsWith('…') && !p.includes(' ') ? '…' : p.split(' ')[0]!));
}

/** The parameters of the overload that takes the most (`count(arg)`, not `count()`). */
function widestParameters(fn: SqlFunction): string {
  let widest: string[] = [];
  for (const signature of fn.signatures) {
    const names = parameterNames(signature);
    if (names.length > widest.length) widest = names;
  }
  return `(${widest.join(', ')})`;
}

/** What the panel beside the list says of a function: its overloads, how many more, DuckDB's description, an example. */
export function infoParts(fn: SqlFunction): { signatures: string[]; more?: string; description?: string; example?: string } {
  return {
    signatures: fn.signatures,
    ...(fn.overloads > fn.signatures.length ? { more: `and ${fn.overloads - fn.signatures.length} more` } : {}),
    ...(fn.description ? { description: fn.description } : {}),
    ...(fn.example ? { example: `Example: ${fn.example}` } : {}),
  };
}

function infoNode(fn: SqlFunction): HTMLElement {
  const parts = infoParts(fn);
  const root = document.createElement('div');
  const line = (text: string, className: string) => {
    const el = root.appendChild(document.createElement('div'));
    el.className = className;
    el.textContent = text;
  };
  for (const signature of parts.signatures) line(signature, 'cm-fn-signature');
  if (parts.more) line(parts.more, 'cm-fn-more');
  if (parts.description) line(parts.description, 'cm-fn-description');
  if (parts.example) line(parts.example, 'cm-fn-example');
  return root;
}

function option(fn: SqlFunction, fits: boolean): Completion {
  return snippetCompletion(`${fn.name}(\${})`, {
    label: fn.name,
    type: 'function',
    detail: `${widestParameters(fn)} ${fn.kind}`,
    info: () => infoNode(fn),
    boost: fits ? FITS_BOOST : MISFITS_BOOST,
  });
}

/**
 * The options of one place: each name once, as the kind the place wants when it has one (generate_series is a list
 * function in SELECT and a table function after FROM). Names only the editor knows (DuckDB parses COALESCE and
 * TRY_CAST itself) come last, without a signature.
 */
export function functionOptions(functions: readonly SqlFunction[], place: SqlPlace): Completion[] {
  const fits = (fn: SqlFunction) => (place === 'table') === (fn.kind === 'table');
  const chosen = new Map<string, SqlFunction>();
  for (const fn of functions) {
    const before = chosen.get(fn.name);
    if (!before || (!fits(before) && fits(fn))) chosen.set(fn.name, fn);
  }
  const options = [...chosen.values()].map((fn) => option(fn, fits(fn)));
  for (const name of functionList)
    if (!chosen.has(name))
      options.push(
        snippetCompletion(`${name}(\${})`, {
          label: name,
          type: 'function',
          detail: '()',
          boost: place === 'expression' ? FITS_BOOST : MISFITS_BOOST,
        }),
      );
  return options;
}

/** Functions completed as `name(…)` with the cursor between the parentheses, ranked by the place they are typed in. */
export function functionCompletions(functions: readonly SqlFunction[]): CompletionSource {
  const sources = {
    table: completeFromList(functionOptions(functions, 'table')),
    expression: completeFromList(functionOptions(functions, 'expression')),
  };
  return ifNotIn(NOT_IN_TEXT, (context: CompletionContext): CompletionResult | null | Promise<CompletionResult | null> => {
    const place = placeAt(context.state.sliceDoc(0, context.pos));
    return sources[place](context);
  });
}
