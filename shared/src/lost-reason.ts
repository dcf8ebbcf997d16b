/** Why a request sent with instant delivery never reached its acceptor. */
export type LostReason = 'crashed' | 'cut' | 'left';
