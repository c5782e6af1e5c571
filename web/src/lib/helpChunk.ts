// Expression help, loaded on demand (lib/help.ts): one chunk for the inspector's fields.
export { accept, complete } from "./completions";
export { dropInto, parseDrop } from "./dropField";
export { helpSources } from "./helpSources";
export { offsetAt } from "./caret";
import "../editor-help.css"; // the list's and the code editor's looks come with them
