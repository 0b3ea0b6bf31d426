import { exportConversation } from './export.js';
import { importConversations } from './import.js';
import { ImportGate } from './import-gate.js';
/**
 * A user's conversations as files and back: export, the import gate and the import. Built once in
 * app.ts with the store, so routes call it with a user id and never see the SQL layer.
 */
export class ArchiveService {
    deps;
    gate;
    /** `policy`: who may read a conversation (access.ts), as ChatService has it; owner only when absent. */
    constructor(deps) {
        this.deps = deps;
        this.gate = new ImportGate(deps.store);
    }
    export(userId, conversationId, format) {
        return exportConversation(this.deps.store, userId, conversationId, format, this.deps.policy);
    }
    /** Admit an import of `userId` before its body is read, or throw a 429 (import-gate.ts). */
    admitImport(userId) {
        return this.gate.admit(userId);
    }
    /** Import a file for `userId`; the caller holds an admitted ticket (see admitImport). */
    import(userId, body) {
        return importConversations(this.deps, userId, body);
    }
}
