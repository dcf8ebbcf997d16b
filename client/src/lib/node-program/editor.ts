/** The code editor of "Write my own node": CodeMirror 6 with JavaScript and TypeScript, loaded only with that panel. */
import { javascript } from '@codemirror/lang-javascript';
import { basicSetup, EditorView } from 'codemirror';

/** An editor in `parent` holding `text`; `label` names it for a screen reader. */
export function codeEditor(parent: HTMLElement, text: string, label: string, describedBy: string): EditorView {
  return new EditorView({
    parent,
    doc: text,
    extensions: [basicSetup, javascript({ typescript: true }), EditorView.contentAttributes.of({ 'aria-label': label, 'aria-describedby': describedBy }), EditorView.lineWrapping],
  });
}

/** Puts the cursor on line `line` (1-based) and brings it into view, for an error that names it. */
export function goToLine(view: EditorView, line: number): void {
  const at = view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines));
  view.dispatch({ selection: { anchor: at.from, head: at.to }, scrollIntoView: true });
}
