/** A grey placeholder of the size of what is loading; hidden from screen readers (the status text says it). */
export function Skeleton({ width = '100%', height = 14 }: { width?: number | string; height?: number | string }) {
  return <span className="skeleton" aria-hidden="true" style={{ width, height }} />;
}

/** The app's outline while the first data loads. */
export function AppSkeleton() {
  return (
    <div className="skeleton-app">
      <div>
        <Skeleton width="60%" height={20} />
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} height={22} />
        ))}
        <Skeleton width="40%" height={10} />
        {[0, 1, 2, 3, 4, 5].map((i) => (
          <Skeleton key={i} height={22} />
        ))}
      </div>
      <div>
        <Skeleton width="35%" height={24} />
        <Skeleton width="60%" />
        <Skeleton height={320} />
        <p role="status" className="sr-only">
          Loading Lifeboat…
        </p>
      </div>
    </div>
  );
}
