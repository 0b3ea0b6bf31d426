import type { SearchPageDto } from '../../shared/search-schemas.js';
import type { Data } from '../store/repositories.js';
import { searchConversations } from './search.js';

/** Search of a user's own conversations, bound to the store in app.ts so routes never see it. */
export class SearchService {
  constructor(private readonly store: Data) {}

  search(userId: string, text: string, limit: number, cursor?: string): Promise<SearchPageDto> {
    return searchConversations(this.store, userId, text, limit, cursor);
  }
}
