/** The user's theme choice: the system's light or dark, or one of them always. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'recount:theme';
const CHOICES: ThemeChoice[] = ['system', 'light', 'dark'];

function stored(): ThemeChoice {
  const value = localStorage.getItem(KEY);
  return CHOICES.includes(value as ThemeChoice) ? (value as ThemeChoice) : 'system';
}

/**
 * The theme the page shows, written to the root's data-theme (styles/theme.css picks its colours by it), remembered
 * across visits. Charts and the editor read the colours from there, so they follow a change at once.
 */
export class Theme {
  choice = $state<ThemeChoice>(stored());
  private readonly media = matchMedia('(prefers-color-scheme: dark)');
  private systemDark = $state(this.media.matches);

  constructor() {
    this.media.addEventListener('change', (e) => {
      this.systemDark = e.matches;
      this.apply();
    });
    this.apply();
  }

  private apply(): void {
    document.documentElement.dataset.theme = this.shown;
  }

  /** The theme shown: the choice, or for "system" what the system prefers now. */
  get shown(): 'light' | 'dark' {
    if (this.choice === 'system') return this.systemDark ? 'dark' : 'light';
    return this.choice;
  }

  choose(choice: ThemeChoice): void {
    this.choice = choice;
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
    this.apply();
  }
}
