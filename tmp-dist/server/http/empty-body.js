/** For POSTs whose body is all optional fields: no body at all means `{}`, not a validation error. */
export async function emptyBodyIsObject(request) {
    if (request.body === undefined || request.body === null)
        request.body = {};
}
