// KaTeX's style sheet and fonts travel with KaTeX: both arrive only when a message has math.
import 'katex/dist/katex.min.css';

export { renderTex } from './markdown-katex.js';
