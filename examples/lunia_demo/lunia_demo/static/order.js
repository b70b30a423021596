// The order page's behaviour, served as a file so the Content-Security-Policy can forbid inline script.
fetch("/version").then(r => r.json()).then(v => { document.getElementById("version").textContent = v.version; });
document.getElementById("order").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = {symbol: form.get("symbol"), side: form.get("side"),
                quantity: Number(form.get("quantity")), price: Number(form.get("price"))};
  const response = await fetch("/orders", {method: "POST", headers: {"Content-Type": "application/json"},
                                           body: JSON.stringify(body)});
  const answer = await response.json();
  const result = document.getElementById("result");
  result.className = response.ok ? "accepted" : "rejected";
  result.textContent = response.ok ? `Order ${answer.id} accepted` : `Rejected: ${answer.error}`;
});
