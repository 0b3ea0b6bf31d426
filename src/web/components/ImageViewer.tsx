import { useEffect, useId, useRef } from 'react';
import { fileUrl } from '../files.js';
import { CloseIcon } from './icons.js';
import './ImageViewer.css';

interface Props {
  fileId: string;
  filename: string;
  onClose: () => void;
}

/**
 * An attached image at full size, in a modal <dialog>: focus moves to Close, Esc or a click beside
 * the image closes it, and focus returns to the thumbnail that opened it.
 */
export function ImageViewer({ fileId, filename, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    closeRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, []);
  return (
    // A click on the backdrop lands on the dialog itself; Esc is the keyboard's way out.
    // biome-ignore lint/a11y/useKeyWithClickEvents: Esc (the dialog's cancel) and the Close button cover the keyboard
    <dialog
      ref={ref}
      className="image-viewer"
      aria-labelledby={`${id}-name`}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="image-viewer-bar">
        <span id={`${id}-name`} className="image-viewer-name">
          {filename}
        </span>
        <a className="btn btn-small" href={fileUrl(fileId)} target="_blank" rel="noopener noreferrer">
          Open original
        </a>
        <button ref={closeRef} type="button" className="icon-btn" aria-label="Close image" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <img className="image-viewer-img" src={fileUrl(fileId)} alt={filename} />
    </dialog>
  );
}
