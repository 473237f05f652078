/**
 * How messages show a payment's amount (transaction.ts holds its rules): localised, and never a
 * symbol that could stand for another currency.
 */
import type { Transaction } from './transaction.ts';

/**
 * The amount as a person reads it in `locale`: "€49.90", "49,90 €". A symbol that stands for more
 * than one currency (`$`, `£`, `¥`) gives way to the code ("USD 49.90"); `name` spells the currency
 * out ("49.90 euros"), for voice.
 */
export function formatAmount(transaction: Transaction, locale: string, display: 'symbol' | 'name'): string {
  const { amount, currency } = transaction;
  const currencyDisplay = display === 'name' ? 'name' : isAmbiguous(currency, locale) ? 'code' : 'symbol';
  // Intl formats a numeric string exactly (Intl.NumberFormat v3, Node 20); the ES2023 lib types only
  // know numbers.
  return new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay }).format(
    amount as unknown as number,
  );
}

const narrowSymbols = new Map<string, Map<string, number>>();
const symbolOf = (currency: string, locale: string, currencyDisplay: 'symbol' | 'narrowSymbol') =>
  new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay })
    .formatToParts(0)
    .find((part) => part.type === 'currency')?.value ?? currency;

/** Whether `currency`'s symbol in `locale` is also the (narrow) symbol of another currency. */
function isAmbiguous(currency: string, locale: string): boolean {
  let counts = narrowSymbols.get(locale);
  if (!counts) {
    counts = new Map();
    for (const other of Intl.supportedValuesOf('currency')) {
      const symbol = symbolOf(other, locale, 'narrowSymbol');
      counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    }
    narrowSymbols.set(locale, counts);
  }
  const symbol = symbolOf(currency, locale, 'symbol');
  const narrow = symbolOf(currency, locale, 'narrowSymbol');
  // Each currency counts its own narrow symbol once: its symbol is shared when someone else has it too.
  return (counts.get(symbol) ?? 0) > (symbol === narrow ? 1 : 0);
}
