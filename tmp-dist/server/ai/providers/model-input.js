// What a provider's models read natively, decided by model id: the rows of the provider table
// (./index.ts) declare their rules with these helpers, so the capability list stays in that one table.
export const TEXT_ONLY = ['text'];
export const TEXT_IMAGE = ['text', 'image'];
export const TEXT_IMAGE_PDF = ['text', 'image', 'pdf'];
/**
 * The first rule whose pattern matches the id wins; no match reads text only. Ids are compared in
 * lower case and without a registry path (`hf.co/user/llava-7b` is matched as `llava-7b`), since
 * the family is what decides and users write names both ways.
 */
export function inputByName(rules, otherwise = TEXT_ONLY) {
    return (modelId) => {
        const name = modelId.toLowerCase().split('/').pop() ?? '';
        const found = rules.find(([pattern]) => pattern.test(name));
        return [...(found?.[1] ?? otherwise)];
    };
}
/** Every model of the provider reads the same inputs. */
export function sameInput(input) {
    return () => [...input];
}
