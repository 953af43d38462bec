export interface GlobalOptions {
  verbose?: boolean;
  pgBin?: string;
}
