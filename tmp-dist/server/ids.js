import { v7 } from 'uuid';
/** Time-ordered ids (UUIDv7): sorting by id is sorting by creation, which cursor pages rely on. */
export const newId = () => v7();
