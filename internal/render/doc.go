// Package render draws plansync's output — text for people, JSON for
// machines, markdown for pull requests — from one plan document
// (plan.Plan) or one recorded state, so the formats cannot disagree. It
// never decides anything: ordering, reasons and statuses come from the
// engine. Colour is used only when the caller says the output is a
// terminal and NO_COLOR is unset. Diagnostics have one view here too
// (diag.go): text with the source line under each error, or JSON.
package render
