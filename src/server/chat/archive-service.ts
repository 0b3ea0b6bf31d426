import type { ImportResultDto } from '../../shared/export-schemas.js';
import { type ExportFile, type ExportFormat, exportConversation } from './export.js';
import { type ImportDeps, importConversations } from './import.js';
import { ImportGate, type ImportTicket } from './import-gate.js';

/**
 * A user's conversations as files and back: export, the import gate and the import. Built once in
 * app.ts with the store, so routes call it with a user id and never see the SQL layer.
 */
export class ArchiveService {
  private readonly gate: ImportGate;

  constructor(private readonly deps: ImportDeps) {
    this.gate = new ImportGate(deps.store);
  }

  export(userId: string, conversationId: string, format: ExportFormat): Promise<ExportFile> {
    return exportConversation(this.deps.store, userId, conversationId, format);
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
