// Shared by the providers that offer a fixed list of models behind one API key (OpenAI, Anthropic, Google).
/**
 * The ids to offer: the model-list setting as given (duplicates dropped), else the row's defaults; each
 * with the name and context window the row knows, or its id and null.
 */
export function listedModels(input, languageModel) {
    const { descriptor } = input;
    const defaults = descriptor.models.filter((model) => model.default).map((model) => model.id);
    const ids = [...new Set(input.models ?? defaults)];
    return ids.map((id) => {
        const known = descriptor.models.find((model) => model.id === id);
        return {
            info: {
                id: `${descriptor.id}/${id}`,
                provider: descriptor.id,
                name: known?.name ?? id,
                contextWindow: known?.contextWindow ?? null,
                input: descriptor.input(id),
                available: true,
            },
            model: languageModel(id),
        };
    });
}
/**
 * The API root from a base URL setting: the default when unset; a bare origin gets the default's path
 * (so `http://host:port` works as well as `.../v1`, as other tools' values do); trailing slashes dropped.
 */
export function apiRoot(baseURL, defaultRoot) {
    if (!baseURL)
        return defaultRoot;
    const url = new URL(baseURL);
    return url.pathname === '/' ? `${url.origin}${new URL(defaultRoot).pathname}` : baseURL.replace(/\/+$/, '');
}
