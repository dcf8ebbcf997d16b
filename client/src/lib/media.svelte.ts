/**
 * Whether a media query matches, followed as the window changes; call it while a component
 * starts. Read by hand: svelte/reactivity's MediaQuery would grow the student page's first file.
 */
export function useMedia(query: string): { readonly matches: boolean } {
  const list = matchMedia(query);
  let matches = $state(list.matches);
  $effect(() => {
    const change = () => (matches = list.matches);
    list.addEventListener('change', change);
    return () => list.removeEventListener('change', change);
  });
  return {
    get matches() {
      return matches;
    },
  };
}
