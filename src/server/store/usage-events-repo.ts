// Placeholder: filled in by the work that owns it (issue 17).
export {};
