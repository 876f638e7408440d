//! What every table of the dashboard does: a filter box, sorting by a column header (again to
//! reverse), and pages of a fixed size — pure, so the rules are tested without a browser.

/// How a table is shown now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    pub filter: String,
    pub sort_by: usize,
    pub descending: bool,
    pub page: usize,
}

pub const PAGE_SIZE: usize = 25;

impl View {
    /// Sort by `column`; the same column again reverses the order.
    pub fn sort(&mut self, column: usize) {
        if self.sort_by == column {
            self.descending = !self.descending;
        } else {
            self.sort_by = column;
            self.descending = false;
        }
        self.page = 0;
    }

    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.page = 0;
    }

    /// The rows to show (each a row's cells as text), and how many pages there are.
    pub fn apply<'a, R>(&self, rows: &'a [R], cells: impl Fn(&R) -> Vec<String>) -> (Vec<&'a R>, usize) {
        let needle = self.filter.trim().to_lowercase();
        let mut shown: Vec<(&R, Vec<String>)> = rows
            .iter()
            .map(|row| (row, cells(row)))
            .filter(|(_, cells)| needle.is_empty() || cells.iter().any(|c| c.to_lowercase().contains(&needle)))
            .collect();
        shown.sort_by(|(_, a), (_, b)| {
            let (a, b) = (a.get(self.sort_by), b.get(self.sort_by));
            let order = a.map(|s| s.to_lowercase()).cmp(&b.map(|s| s.to_lowercase()));
            if self.descending { order.reverse() } else { order }
        });
        let pages = shown.len().div_ceil(PAGE_SIZE).max(1);
        let page = self.page.min(pages - 1);
        let rows = shown.into_iter().skip(page * PAGE_SIZE).take(PAGE_SIZE).map(|(row, _)| row).collect();
        (rows, pages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_sorts_both_ways_and_pages() {
        let rows: Vec<(String, String)> = (0..60)
            .map(|i| (format!("user{i:02}"), if i % 2 == 0 { "student" } else { "teacher" }.to_owned()))
            .collect();
        let cells = |r: &(String, String)| vec![r.0.clone(), r.1.clone()];
        let mut view = View::default();
        let (shown, pages) = view.apply(&rows, cells);
        assert_eq!((shown.len(), pages, shown[0].0.as_str()), (PAGE_SIZE, 3, "user00"));
        view.sort(0);
        assert_eq!(view.apply(&rows, cells).0[0].0, "user59");
        view.set_filter("TEACHER".to_owned());
        let (shown, pages) = view.apply(&rows, cells);
        assert_eq!((shown.len(), pages), (PAGE_SIZE, 2));
        view.page = 1;
        assert_eq!(view.apply(&rows, cells).0.len(), 5);
        view.page = 9;
        assert_eq!(view.apply(&rows, cells).0.len(), 5, "a page past the end shows the last one");
    }
}
