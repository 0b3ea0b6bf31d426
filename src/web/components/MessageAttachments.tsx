import { useState } from 'react';
import type { FilePartDto } from '../../shared/message-parts.js';
import { fileUrl, formatBytes, isImageType, previewUrl } from '../files.js';
import { ImageViewer } from './ImageViewer.js';
import { FileIcon } from './icons.js';
import './MessageAttachments.css';

/** A short name for a file's kind, for the chip ("PDF · 12 KB"). */
function kindOf(part: FilePartDto): string {
  if (part.mediaType === 'application/pdf') return 'PDF';
  if (part.mediaType.includes('wordprocessingml')) return 'Word';
  const extension = /\.([a-z0-9]{1,8})$/i.exec(part.filename)?.[1];
  if (extension) return extension.toUpperCase();
  return part.mediaType.startsWith('text/') ? 'Text' : 'File';
}

/**
 * A sent message's files, above its text: images as thumbnails that open full size, other files as
 * chips that open in a new tab (the server shows PDFs inline and downloads the rest).
 */
export function MessageAttachments({ parts }: { parts: readonly FilePartDto[] }) {
  const [viewing, setViewing] = useState<FilePartDto | null>(null);
  const images = parts.filter((part) => isImageType(part.mediaType));
  const others = parts.filter((part) => !isImageType(part.mediaType));
  return (
    <div className="msg-files">
      {images.length > 0 && (
        <ul className="msg-images" aria-label="Images">
          {images.map((part) => (
            <li key={part.fileId}>
              <button
                type="button"
                className="msg-image"
                aria-label={`View ${part.filename} full size`}
                title={part.filename}
                onClick={() => setViewing(part)}
              >
                <img src={previewUrl(part.fileId)} alt={part.filename} loading="lazy" />
              </button>
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <ul className="msg-docs" aria-label="Files">
          {others.map((part) => (
            <li key={part.fileId}>
              <a className="msg-doc" href={fileUrl(part.fileId)} target="_blank" rel="noopener noreferrer">
                <span className="msg-doc-icon">
                  <FileIcon />
                </span>
                <span className="msg-doc-text">
                  <span className="msg-doc-name">{part.filename}</span>
                  <span className="msg-doc-meta">
                    {kindOf(part)} · {formatBytes(part.size)}
                  </span>
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {viewing && (
        <ImageViewer fileId={viewing.fileId} filename={viewing.filename} onClose={() => setViewing(null)} />
      )}
    </div>
  );
}
