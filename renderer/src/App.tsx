export function App() {
  return (
    <main>
      <h1>Lifeboat</h1>
      <p>PostgreSQL backup and disaster recovery. The desktop screens are on their way; the <code>lifeboat</code> CLI works today.</p>
    </main>
  );
}
