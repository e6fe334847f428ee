// One palette for the map, the lists and the figures.
export const STATE_COLORS: Record<string, string> = {
  submitted: '#9e9e9e',
  accepted: '#43a047',
  pending_approval: '#ffb300',
  activated: '#29b6f6',
  rejected: '#e53935',
  ended: '#78909c',
  cancelled: '#78909c',
};

export const AREA_COLORS: Record<string, string> = {
  designated: '#ab47bc',
  protected_site: '#ef5350',
  restricted: '#ff7043',
  corridor: '#26a69a',
};

export const OUTCOME_COLORS: Record<string, string> = {
  accepted: '#43a047',
  needs_approval: '#ffb300',
  rejected: '#e53935',
};

export const ALERT_COLORS: Record<string, string> = {
  unreported_flight: '#ffca28',
  nonconformance: '#ff7043',
  area_incursion: '#ab47bc',
  separation_loss: '#ef5350',
};

// Parties in the order the agreement lists them.
const PARTY_PALETTE = ['#42a5f5', '#ef5350', '#66bb6a', '#ffa726', '#ab47bc', '#26c6da', '#d4e157', '#8d6e63'];
let partyOrder: string[] = [];
export function setParties(ids: string[]): void {
  partyOrder = ids;
}
export function partyColor(party: string | undefined): string {
  if (!party) return '#bdbdbd';
  const i = partyOrder.indexOf(party);
  return i < 0 ? '#bdbdbd' : PARTY_PALETTE[i % PARTY_PALETTE.length];
}
export function partyIds(): string[] {
  return partyOrder;
}
