import { EditorView } from '@codemirror/view';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

/**
 * The SQL editor's look, entirely from the app's design tokens: the same CSS variables switch light and
 * dark, so the editor follows the system theme without being reconfigured.
 */
const highlight = HighlightStyle.define([
  { tag: t.keyword, color: 'var(--syntax-keyword)', fontWeight: '500' },
  { tag: t.typeName, color: 'var(--syntax-type)' },
  { tag: t.standard(t.name), color: 'var(--syntax-function)' },
  { tag: t.string, color: 'var(--syntax-string)' },
  // lang-sql tags "quoted identifiers" as special strings; in DuckDB they are names.
  { tag: t.special(t.string), color: 'var(--text)' },
  { tag: [t.number, t.bool, t.null], color: 'var(--syntax-number)' },
  { tag: [t.lineComment, t.blockComment], color: 'var(--syntax-comment)', fontStyle: 'italic' },
  { tag: t.operator, color: 'var(--syntax-operator)' },
  { tag: [t.punctuation, t.paren, t.brace, t.squareBracket], color: 'var(--syntax-operator)' },
  { tag: t.special(t.name), color: 'var(--syntax-number)' },
  { tag: t.name, color: 'var(--text)' },
]);

const theme = EditorView.theme({
  '&': {
    color: 'var(--text)',
    backgroundColor: 'transparent',
    fontSize: 'var(--text-md)',
  },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': {
    fontFamily: 'var(--font-mono)',
    lineHeight: '1.6',
    maxHeight: '420px',
    overflow: 'auto',
  },
  '.cm-content': { padding: 'var(--space-2) 0', caretColor: 'var(--accent)' },
  '.cm-line': { padding: '0 var(--space-3)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--accent)', borderLeftWidth: '2px' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': {
    backgroundColor: 'var(--bg-selected)',
  },
  '.cm-matchingBracket, &.cm-focused .cm-matchingBracket': {
    backgroundColor: 'var(--accent-soft)',
    outline: '1px solid color-mix(in srgb, var(--accent) 45%, transparent)',
    borderRadius: '2px',
  },
  '.cm-nonmatchingBracket, &.cm-focused .cm-nonmatchingBracket': { backgroundColor: 'var(--danger-soft)' },
  '.cm-placeholder': { color: 'var(--text-faint)' },
  '.cm-tooltip': {
    border: '1px solid var(--border)',
    borderRadius: 'var(--radius-md)',
    backgroundColor: 'var(--bg-elevated)',
    color: 'var(--text)',
    boxShadow: 'var(--shadow-md)',
    overflow: 'hidden',
  },
  // The function's panel sits beside the list, outside its box: the list clips its own overflow instead.
  '.cm-tooltip.cm-tooltip-autocomplete': { overflow: 'visible' },
  '.cm-tooltip.cm-tooltip-autocomplete > ul': {
    borderRadius: 'var(--radius-md)',
    fontFamily: 'var(--font-mono)',
    fontSize: 'var(--text-sm)',
    maxHeight: '15em',
    minWidth: '240px',
  },
  '.cm-tooltip.cm-tooltip-autocomplete > ul > li': { padding: '2px var(--space-2)', lineHeight: '1.6' },
  '.cm-tooltip.cm-tooltip-autocomplete > ul > li[aria-selected]': {
    backgroundColor: 'var(--accent-soft)',
    color: 'var(--text)',
  },
  '.cm-completionLabel': { color: 'var(--text)' },
  '.cm-completionMatchedText': { textDecoration: 'none', fontWeight: '700', color: 'var(--accent)' },
  '.cm-completionDetail': { marginLeft: '1.5em', fontStyle: 'normal', color: 'var(--text-faint)' },
  '.cm-completionIcon': { opacity: '0.7', width: '1.1em', paddingRight: '0.5em' },
  '.cm-completionInfo': {
    padding: 'var(--space-1) var(--space-2)',
    fontFamily: 'var(--font-sans)',
    fontSize: 'var(--text-sm)',
    color: 'var(--text-muted)',
    lineHeight: '1.5',
    maxWidth: '460px',
  },
  '.cm-fn-signature': { fontFamily: 'var(--font-mono)', color: 'var(--text)', whiteSpace: 'pre-wrap' },
  '.cm-fn-more': { color: 'var(--text-faint)' },
  '.cm-fn-description': { marginTop: 'var(--space-1)' },
  '.cm-fn-example': { marginTop: 'var(--space-1)', fontFamily: 'var(--font-mono)', color: 'var(--text-faint)' },
});

export const editorTheme = [theme, syntaxHighlighting(highlight)];
