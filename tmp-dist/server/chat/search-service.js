import { searchConversations } from './search.js';
/** Search of a user's own conversations, bound to the store in app.ts so routes never see it. */
export class SearchService {
    store;
    constructor(store) {
        this.store = store;
    }
    search(userId, text, limit, cursor) {
        return searchConversations(this.store, userId, text, limit, cursor);
    }
}
