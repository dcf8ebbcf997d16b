/** Whether the page shown has an actions panel, for the page's first link, "Skip to actions". */
export const skip = $state({ actions: false });

/** Moves focus to the actions panel (the link's own jump would also rewrite the address). */
export function skipToActions(e: MouseEvent): void {
  e.preventDefault();
  document.getElementById('actions')?.focus();
}
