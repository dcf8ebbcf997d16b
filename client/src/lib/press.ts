/**
 * A press of one of the student's action buttons acts once. The second click of a double tap
 * or double click (a click whose `detail` counts two or more) does nothing: on a phone the
 * server often answers the first tap before the second lands, so waiting for the answer alone
 * lets a second command through. A press while an action is on its way does nothing either.
 */
export function onePress(sending: () => boolean, act: () => void): (e: MouseEvent) => void {
  return (e) => {
    if (!secondTap(e) && !sending()) act();
  };
}

/**
 * The `aria-disabled` of an action button that may be `disabled` or waiting for an action on its
 * way: "true" while it waits, and nothing when it is disabled (which already says so) or ready,
 * so that the two never disagree.
 */
export function waitingAttr(disabled: boolean, sending: boolean): 'true' | undefined {
  return !disabled && sending ? 'true' : undefined;
}

/** The second click (or more) of a double tap or double click. */
export function secondTap(e: MouseEvent): boolean {
  return e.detail > 1;
}
