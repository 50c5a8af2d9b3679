export const ID = 'planted.id';
