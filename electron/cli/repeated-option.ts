/** For commander options given several times (`--copy-to A --copy-to B`): collects them in order. */
export function collectRepeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
