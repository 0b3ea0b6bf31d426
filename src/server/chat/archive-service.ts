import type { ExportFilesMode, ImportResultDto } from '../../shared/export-schemas.js';
import type { AccessPolicy } from './access.js';
import { type ExportFile, type ExportFileSource, type ExportFormat, exportConversation } from './export.js';
import { type ImportDeps, importConversations } from './import.js';
import { ImportGate, type ImportTicket } from './import-gate.js';

/**
 * A user's conversations as files and back: export, the import gate and the import. Built once in
 * app.ts with the store, so routes call it with a user id and never see the SQL layer.
 */
export class ArchiveService {
  private readonly gate: ImportGate;

  /**
   * `policy`: who may read a conversation (access.ts), as ChatService has it; owner only when absent.
   * `files` (the FileService): attachments read for export, checked and stored on import.
   */
  constructor(
    private readonly deps: Omit<ImportDeps, 'files'> & {
      files: ImportDeps['files'] & ExportFileSource;
      policy?: AccessPolicy;
    },
  ) {
    this.gate = new ImportGate(deps.store);
  }

  /** `files`: JSON only, `embed` (the default) or `reference` the attachments (export.ts). */
  export(
    userId: string,
    conversationId: string,
    format: ExportFormat,
    options: { files?: ExportFilesMode } = {},
  ): Promise<ExportFile> {
    return exportConversation(this.deps.store, userId, conversationId, format, this.deps.policy, {
      files: this.deps.files,
      filesMode: options.files,
    });
  }

  /** Admit an import of `userId` before its body is read, or throw a 429 (import-gate.ts). */
  admitImport(userId: string): Promise<ImportTicket> {
    return this.gate.admit(userId);
  }

  /** Import a file for `userId`; the caller holds an admitted ticket (see admitImport). */
  import(userId: string, body: unknown): Promise<ImportResultDto> {
    return importConversations(this.deps, userId, body);
  }
}
