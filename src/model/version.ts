// zbak's own version, recorded in every archive.
export const ZBAK_VERSION = '0.1.1';
