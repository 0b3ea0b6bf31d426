// The parts of node-llama-cpp's API Parley uses, typed loosely. node-llama-cpp is not a dependency (its
// platform binaries are ~700 MB): it is imported only when a local model is configured, through a
// specifier in a variable and these small interfaces, so tsc passes without it installed.
export {};
