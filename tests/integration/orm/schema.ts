// The application schema of the ORM tests, as drizzle-orm declares it: inline UNIQUE, a composite
// UNIQUE index, foreign keys with actions. migrations/ holds what drizzle-kit generated from it
// (`npx drizzle-kit generate --config tests/integration/orm/drizzle.config.ts`): 0000 creates the
// schema, 0001 makes posts.title NOT NULL, which drizzle-kit does by recreating the table.
import { relations, sql } from "drizzle-orm";
import { integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: integer("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull().default(sql`0`),
});

export const teams = sqliteTable("teams", {
  id: integer("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  ownerId: integer("owner_id").references(() => users.id, { onDelete: "set null" }),
});

export const memberships = sqliteTable(
  "memberships",
  {
    userId: integer("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    teamId: integer("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    role: text("role").notNull().default("member"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.teamId] })],
);

export const posts = sqliteTable(
  "posts",
  {
    id: integer("id").primaryKey(),
    authorId: integer("author_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    likes: integer("likes").notNull().default(0),
  },
  (t) => [uniqueIndex("posts_author_title").on(t.authorId, t.title)],
);

export const usersRelations = relations(users, ({ many }) => ({ posts: many(posts), memberships: many(memberships) }));
export const postsRelations = relations(posts, ({ one }) => ({ author: one(users, { fields: [posts.authorId], references: [users.id] }) }));
export const teamsRelations = relations(teams, ({ many, one }) => ({
  members: many(memberships),
  owner: one(users, { fields: [teams.ownerId], references: [users.id] }),
}));
export const membershipsRelations = relations(memberships, ({ one }) => ({
  user: one(users, { fields: [memberships.userId], references: [users.id] }),
  team: one(teams, { fields: [memberships.teamId], references: [teams.id] }),
}));
