import { ChevronRight } from './icons.js';
import './ReasoningBlock.css';

interface Props {
  text: string;
  /** The model is still thinking (the reply streams and has no answer text yet). */
  thinking: boolean;
}

/**
 * A reply's reasoning, folded above its answer: a native <details> (keyboard and screen readers
 * get a disclosure for free), closed by default because the answer is what most readers want.
 * Plain text, not markdown: reasoning is a draft, and drawing it as one keeps it quiet.
 */
export function ReasoningBlock({ text, thinking }: Props) {
  return (
    <details className="reasoning" data-thinking={thinking || undefined}>
      <summary className="reasoning-summary">
        <span className="reasoning-chevron" aria-hidden="true">
          <ChevronRight />
        </span>
        {thinking ? 'Thinking…' : 'Thought for a moment'}
        <span className="sr-only">: the model’s reasoning</span>
      </summary>
      <div className="reasoning-text">{text}</div>
    </details>
  );
}
