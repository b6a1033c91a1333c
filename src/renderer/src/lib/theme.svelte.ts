/**
 * The colour theme: the system's setting (prefers-color-scheme) unless the toggle chose light or dark, kept in this
 * browser's storage. The resolved theme is put on <html data-theme>, which app.css's variables follow.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
const key = 'latent-studio.theme';

function stored(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(key);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

class ThemeState {
  choice = $state<ThemeChoice>(stored());
  system = $state<'light' | 'dark'>('dark');
  resolved = $derived(this.choice === 'system' ? this.system : this.choice);

  constructor() {
    if (typeof window === 'undefined' || !window.matchMedia) return;
    const query = window.matchMedia('(prefers-color-scheme: light)');
    this.system = query.matches ? 'light' : 'dark';
    // Set before any view is drawn: charts read the theme's colours when they are made.
    this.apply();
    query.addEventListener('change', (e) => {
      this.system = e.matches ? 'light' : 'dark';
      this.apply();
    });
  }

  private apply(): void {
    if (typeof document !== 'undefined') document.documentElement.dataset['theme'] = this.resolved;
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    this.apply();
    try {
      if (choice === 'system') globalThis.localStorage?.removeItem(key);
      else globalThis.localStorage?.setItem(key, choice);
    } catch {
      // Storage may be off (a private window): the choice holds until a reload.
    }
  }

  /**
   * The toggle's next step: the other theme than the one shown, and the system's setting again where that is the
   * system's (a light choice on a dark system toggles back to following the system, not to a fixed dark).
   */
  toggle(): void {
    const other = this.resolved === 'dark' ? 'light' : 'dark';
    this.set(other === this.system ? 'system' : other);
  }
}

export const theme = new ThemeState();
