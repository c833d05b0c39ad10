// How waits, times and amounts read on the card.

export const fmtWait = (s) => (s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`);

export const fmtWhen = (iso) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
};

export const money = (v, cur) => `${Number(v).toFixed(2)} ${cur}`;
