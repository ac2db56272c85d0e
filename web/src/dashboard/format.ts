// Read percentages as the dashboard writes them: one decimal ("66.7%").
export function formatPercent(value: number): string {
  return `${(Math.round(value * 10) / 10).toFixed(1)}%`;
}
